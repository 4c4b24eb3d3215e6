"""Load benchmark of the customer message endpoint (see README.md)."""
