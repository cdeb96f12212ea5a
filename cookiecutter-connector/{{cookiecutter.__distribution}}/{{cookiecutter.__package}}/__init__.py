"""koppel connector for {{ cookiecutter.title }} (entry point ``{{ cookiecutter.system }}``).

- ``plugin``: the hook implementations koppel calls;
- ``client``: the HTTP client on :mod:`koppel.http` (auth, paging, writes);
- ``resources``: the API's resources per entity;
- ``mappings/``: the default mappings, as data;
- ``sandbox`` and ``demo``: an in-process emulator of the API with demo data.
"""

__version__ = "{{ cookiecutter.version }}"
