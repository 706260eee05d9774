"""Our account pages. Included before allauth's URLs so that `account_reset_password`
(linked from the login page) opens our reset-by-code flow instead of allauth's, and
`account_signup` is allauth's sign-up made all-or-nothing; the pages that send and check
verification codes are allauth's, with its cool-down between codes answered by a message
(views.verify_phone, confirm_email_code, change_phone, manage_email)."""

from django.urls import path

from . import views

urlpatterns = [
    path("signup/", views.signup, name="account_signup"),
    path("password/reset/", views.password_reset_request, name="account_reset_password"),
    path("password/reset/code/", views.password_reset_code, name="account_reset_password_code"),
    path(
        "password/reset/complete/",
        views.password_reset_complete,
        name="account_reset_password_complete",
    ),
    path("phone/verify/", views.verify_phone, name="account_verify_phone"),
    path("phone/change/", views.change_phone, name="account_change_phone"),
    path("email/", views.manage_email, name="account_email"),
    path("confirm-email/", views.confirm_email_code, name="account_email_verification_sent"),
    path("profile/", views.profile, name="account_profile"),
    path("devices/", views.devices, name="account_devices"),
    path("devices/tokens/<int:token_id>/revoke/", views.token_revoke, name="account_token_revoke"),
    path("devices/sessions/<int:session_id>/end/", views.session_end, name="account_session_end"),
    path("devices/sign-out-others/", views.sign_out_others, name="account_sign_out_others"),
]
