"""The SMS log on the panel, mounted at ``sms/log/`` (messaging.mounts). No ids in paths."""

from django.urls import path

from messaging import log_views

app_name = "panel-messaging-log"
urlpatterns = [path("", log_views.sms_log, name="list")]
