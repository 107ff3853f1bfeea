"""DingTalk (钉钉) custom group robot with 加签 signing."""
