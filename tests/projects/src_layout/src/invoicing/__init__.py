"""Invoice arithmetic for a small shop."""
from invoicing.core import bulk_discount, invoice_total, line_total

__all__ = ["bulk_discount", "invoice_total", "line_total"]
__version__ = "0.3.1"
