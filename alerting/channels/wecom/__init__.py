"""WeCom (企业微信) group robot."""
