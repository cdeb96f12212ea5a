"""koppel connector for {{ cookiecutter.title }} (system ``{{ cookiecutter.system }}``).

- ``plugin``: the connector, as koppel's entry point names it;
- ``settings``: a connection's typed settings;
- ``client``: the API's client, built once per connection and run;
- ``resources``: one module per entity, its resource: match keys, how it is read and written;
- ``mappings/``: the default mappings, as data;
- ``facts``: what the connector relies on about the API, each fact with its source;
- ``sandbox`` with ``demo.json``: an emulator of the API that keeps to those facts.
"""

__version__ = "{{ cookiecutter.version }}"
