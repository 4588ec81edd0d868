from django.urls import path

from accounts.api import views

urlpatterns = [
    path("otp/request/", views.OtpRequestApi.as_view(), name="api-otp-request"),
    path("otp/verify/", views.OtpVerifyApi.as_view(), name="api-otp-verify"),
    path("logout/", views.LogoutApi.as_view(), name="api-logout"),
    path("me/", views.MeApi.as_view(), name="api-me"),
]
