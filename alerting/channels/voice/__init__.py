"""Voice calls with "press 1 to accept", through a Twilio-compatible Programmable Voice API."""
