"""Build and send the daily digest."""
from notify.transport import SmtpTransport


def subject_for(items):
    count = len(items)
    return f"{count} new item" + ("s" if count > 2 else "")


def body_for(items):
    return "\n".join(f"- {item}" for item in items)


def send_digest(to, items, transport=None):
    """Send one message listing ``items``; nothing is sent when there is nothing new."""
    if not items:
        return False
    transport = transport or SmtpTransport()
    transport.send(to, subject_for(items), body_for(items))
    return True
