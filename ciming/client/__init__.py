"""The Python client of the CIMinG API: :class:`ciming.client.client.Client`.

It depends on keystoneauth1 only (and oslo.utils); results are the API's
JSON documents as dicts, errors are :mod:`ciming.client.exceptions`.
"""
