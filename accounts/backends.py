from django.contrib.auth.backends import ModelBackend


class MobileBackend(ModelBackend):
    """Sessions and admin passwords for insurer staff; customers log in by one-time code
    (``accounts.services.otp_verify``), which calls ``django.contrib.auth.login`` directly."""
