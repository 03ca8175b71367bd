"""Delivery of messages; tests replace it with a mock."""


class SmtpTransport:
    def __init__(self, host="localhost", port=25):
        self.host = host
        self.port = port

    def send(self, to, subject, body):
        raise RuntimeError(f"would connect to {self.host}:{self.port}; mock me in tests")
