import pytest

from notify.transport import SmtpTransport


@pytest.fixture
def recipient():
    return "ann@example.com"


@pytest.fixture
def sent(mocker):
    """Every SmtpTransport.send call, recorded instead of delivered."""
    return mocker.patch.object(SmtpTransport, "send", autospec=True)
