from django.urls import path

from candor.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("reviews/<int:review_id>/decide/", views.decide, name="decide"),
    path("orders/", views.enter_order, name="enter_order"),
    path("log/", views.audit_log, name="log"),
]
