"""SMS through Alibaba Cloud SMS (阿里云短信服务, ``dysmsapi`` SendSms)."""
