from django.urls import path

from accounts import hub, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_start, name="login"),
    path("login/verify/", views.login_verify, name="verify"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("hub/start/", hub.hub_start, name="hub-start"),
    path("hub/fetch/", hub.hub_fetch, name="hub-fetch"),
    path("hub/adopt/", hub.hub_adopt, name="hub-adopt"),
]
