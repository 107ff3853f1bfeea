"""Local stand-ins for the outside world that the demo and tests run for real.

A mailbox (an SMTP server) and a webhook receiver that verifies Silverguard's signatures, both on
loopback ports, recording each delivery with the moment it arrived.
"""

from silverguard.sinks.smtp_sink import ReceivedMail, SmtpSink
from silverguard.sinks.webhook_receiver import ReceivedWebhook, WebhookReceiver

__all__ = ["ReceivedMail", "ReceivedWebhook", "SmtpSink", "WebhookReceiver"]
