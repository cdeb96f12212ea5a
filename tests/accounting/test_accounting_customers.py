import pytest

from koppel.accounting import CustomerSettings, debtor_for_order, email_key, shape_debtor
from koppel.errors import ValidationError
from koppel.records import Contact, Customer, Order


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("  Jan.Jansen@Example.NL ", "jan.jansen@example.nl"),
        ("INFO@SHOP.DE", "info@shop.de"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_email_key_trims_and_ignores_case(email, key):
    assert email_key(email) == key


def test_email_key_matches_the_same_address_written_differently():
    assert email_key(" A@B.nl") == email_key("a@b.NL ")


@pytest.mark.parametrize("bad", ["jan at example.nl", "jan@", "@example.nl", "a b@c.nl", "a@b@c"])
def test_email_key_rejects_what_is_no_address(bad):
    with pytest.raises(ValidationError, match="is not an e-mail address"):
        email_key(bad)


def test_shape_debtor_company_name_makes_a_company_with_the_person_as_contact():
    source = Customer(
        id="7",
        name="Jan Jansen",
        company_name=" Jansen BV ",
        email="Jan@Jansen.NL",
        contact=Contact(first_name="Jan", last_name="Jansen", phone="0612345678"),
    )
    debtor = shape_debtor(source)
    assert debtor.is_company
    assert (debtor.name, debtor.company_name, debtor.email) == (
        "Jansen BV",
        "Jansen BV",
        "jan@jansen.nl",
    )
    assert debtor.contact == Contact(
        name="Jan Jansen",
        first_name="Jan",
        last_name="Jansen",
        phone="0612345678",
        email="jan@jansen.nl",
    )


def test_shape_debtor_company_without_a_person_keeps_an_empty_contact_name():
    debtor = shape_debtor(Customer(company_name="Acme", email="a@acme.com"))
    assert debtor.contact == Contact(email="a@acme.com")


def test_shape_debtor_without_company_name_makes_a_person():
    source = Customer(name=" Piet Pieters ", company_name="  ", email="piet@example.nl")
    debtor = shape_debtor(source)
    assert not debtor.is_company
    assert (debtor.name, debtor.company_name, debtor.contact) == ("Piet Pieters", None, None)


def test_shape_debtor_person_named_by_its_contact():
    source = Customer(contact=Contact(first_name="Els", last_name="de Vries", email="E@x.nl"))
    debtor = shape_debtor(source)
    assert (debtor.name, debtor.email, debtor.contact) == ("Els de Vries", "e@x.nl", None)


def test_shape_debtor_without_any_name_fails():
    with pytest.raises(ValidationError, match="neither a company name nor a person's name"):
        shape_debtor(Customer(id="c1", email="x@y.nl"))


def test_shape_debtor_rejects_a_bad_email():
    with pytest.raises(ValidationError, match="not an e-mail address"):
        shape_debtor(Customer(name="X", email="nope"))


def test_debtor_for_order_default_debtor_takes_every_order():
    order = Order(customer=Customer(name="Jan", email="jan@example.nl"))
    debtor = debtor_for_order(order, CustomerSettings(default_debtor="99999"))
    assert debtor.debtor_number == "99999"
    assert debtor.email is None
    assert debtor_for_order(Order(), CustomerSettings(default_debtor="99999")) == debtor


def test_debtor_for_order_shapes_the_orders_customer():
    order = Order(customer=Customer(name="Jan", email=" JAN@example.nl"))
    assert debtor_for_order(order).email == "jan@example.nl"
    assert debtor_for_order(order, CustomerSettings()).name == "Jan"


def test_debtor_for_order_without_customer_or_default_fails():
    with pytest.raises(ValidationError, match="no customer and no default debtor") as caught:
        debtor_for_order(Order(number="1001"))
    assert caught.value.context["record"] == "1001"


def test_debtor_for_order_names_the_order_when_the_customer_is_bad():
    with pytest.raises(ValidationError) as caught:
        debtor_for_order(Order(number="1001", customer=Customer(id="c1")))
    assert caught.value.context["order"] == "1001"


def test_shape_debtor_company_takes_the_person_from_the_record_name():
    source = Customer(name="Jan Jansen", company_name="Jansen BV", email="jan@jansen.nl")
    assert shape_debtor(source).contact == Contact(name="Jan Jansen", email="jan@jansen.nl")


def test_shape_debtor_company_name_repeated_as_name_is_no_person():
    source = Customer(name="Jansen BV", company_name="Jansen BV")
    assert shape_debtor(source).contact == Contact()
