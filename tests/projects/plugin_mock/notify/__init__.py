"""E-mail digests of new items."""
