"""WSGI middleware wrapped around the pecan application."""
