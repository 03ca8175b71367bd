from notify import digest
from notify.transport import SmtpTransport


def test_nothing_new_sends_nothing(sent, recipient):
    assert digest.send_digest(recipient, []) is False
    sent.assert_not_called()


def test_one_item(mocker, sent, recipient):
    assert digest.send_digest(recipient, ["release 1.2"]) is True
    sent.assert_called_once_with(mocker.ANY, recipient, "1 new item", "- release 1.2")


def test_two_items(sent, recipient):
    digest.send_digest(recipient, ["a", "b"])
    _, to, subject, body = sent.call_args.args
    assert (to, subject, body) == (recipient, "2 new items", "- a\n- b")


def test_body_is_built_once(mocker, sent, recipient):
    spy = mocker.spy(digest, "body_for")
    digest.send_digest(recipient, ["a", "b", "c"], transport=SmtpTransport("mail.example.com"))
    assert spy.call_count == 1
