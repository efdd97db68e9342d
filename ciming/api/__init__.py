"""The CIMinG REST API (pecan)."""
