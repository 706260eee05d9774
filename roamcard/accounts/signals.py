from django.dispatch import Signal

# Sent by User.save, inside its transaction, when the password was set or disabled
# (keyword argument: user).
password_changed = Signal()
