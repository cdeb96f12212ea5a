"""A small example connector ("shopdemo") built only on koppel's toolkit.

It runs the standard connector suite in tests/testing. ``plugin`` holds the
hookimpls, ``client`` the HTTP client, ``sandbox`` the emulated API.
"""
