from django.urls import path

from . import views

urlpatterns = [
    path("insert/", views.insert_one, name="bench-baseline-insert"),
    path("ping/", views.ping, name="bench-baseline-ping"),
]
