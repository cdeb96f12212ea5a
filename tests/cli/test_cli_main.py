import subprocess
import sys

import click
import pytest

from koppel import __version__
from koppel.cli import COMMANDS, EXIT_CONFIG, cli, main
from koppel.errors import FlowFileError, RejectedError


def run_main(monkeypatch, capsys, argv, command=None):
    if command is not None:
        monkeypatch.setitem(cli.commands, command.name, command)
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code, capsys.readouterr()


def test_version(monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, ["--version"])
    assert code == 0 and __version__ in out.out


def test_configuration_error_is_one_line_and_exit_2(monkeypatch, capsys):
    @click.command("boom")
    def boom():
        raise FlowFileError("expected a table", file="f.toml", path="source")

    code, out = run_main(monkeypatch, capsys, ["boom"], boom)
    assert code == EXIT_CONFIG
    assert out.err == "error: expected a table (file=f.toml, path=source)\n"


def test_debug_shows_the_traceback(monkeypatch, capsys):
    @click.command("boom")
    def boom():
        raise RejectedError("the API said no")

    code, out = run_main(monkeypatch, capsys, ["--debug", "boom"], boom)
    assert code == 1
    assert "Traceback" in out.err and out.err.rstrip().endswith("error: the API said no")


def test_unexpected_error_points_to_debug(monkeypatch, capsys):
    @click.command("boom")
    def boom():
        raise RuntimeError("oops")

    code, out = run_main(monkeypatch, capsys, ["boom"], boom)
    assert code == 1
    assert "internal error: RuntimeError: oops" in out.err and "Traceback" not in out.err


def test_usage_error_exits_2(monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, ["no-such-command"])
    assert code == EXIT_CONFIG and "No such command" in out.err


def test_every_lazy_command_imports():
    ctx = click.Context(cli)
    for name in COMMANDS:
        assert cli.get_command(ctx, name).name == name


def test_help_lists_commands_without_importing_them():
    code = (
        "import sys; from koppel.cli import main\n"
        "try: main(['--help'])\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.startswith('koppel.cli.') and m != 'koppel.cli._lazy'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    for name in COMMANDS:
        assert name in out.stdout


@pytest.mark.parametrize("command", ["run", "check"])
def test_flow_file_not_utf8_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path, command):
    flow = tmp_path / "flow.toml"
    flow.write_bytes(b'name = "x"\n\xff\xfe')
    code, out = run_main(monkeypatch, capsys, [command, str(flow)])
    assert code == EXIT_CONFIG
    assert out.err == f"error: not UTF-8 text: cannot decode byte 11 (file={flow})\n"


def test_check_lookup_file_name_too_long_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path):
    flow = tmp_path / "flow.toml"
    flow.write_text(
        'source = "a"\ntarget = "b"\nentity = "orders"\n'
        '[connections.a]\nsystem = "x"\n[connections.b]\nsystem = "y"\n'
        f'[lookups]\nvat_codes = "{"x" * 10_000}"\n'
    )
    code, out = run_main(monkeypatch, capsys, ["check", str(flow)])
    assert code == EXIT_CONFIG
    assert out.err.startswith("error: lookups.vat_codes: cannot read lookup file ")
    assert "File name too long" in out.err and "internal error" not in out.err
    assert out.err.count("\n") == 1
