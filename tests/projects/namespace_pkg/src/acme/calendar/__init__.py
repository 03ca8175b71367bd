"""Calendar arithmetic for the acme tools."""
