from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from portal.accounts.passwords import MAX_LENGTH, password_problem
from portal.fields import email_field, text_area, text_field
from portal.forms import PasswordInput, SubmitInput


def new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        widget=PasswordInput(),
        description="Use 12 characters or more. A few random words are easy to remember and hard to guess.",
        validators=[InputRequired(message="Enter a password")],
    )


class NewPasswordMixin:
    """Checks `password` against the rules, knowing the person's email and name: from the form's
    own fields where it has them, else as given by the view."""

    def __init__(self, *args, known_email: str = "", known_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.known_email, self.known_name = known_email, known_name

    def validate_password(self, field) -> None:
        email = self.email.data if "email" in self else self.known_email
        name = self.name.data if "name" in self else self.known_name
        problem = password_problem(field.data or "", email=email or "", name=name or "")
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    name = text_field("Full name", required="Enter your full name")
    email = email_field()
    password = new_password_field("Create a password")
    organisation_name = text_field(
        "Organisation name",
        required="Enter your organisation's name",
        description="The name your organisation trades under. You can add its legal details later.",
    )
    submit = SubmitField("Create account", widget=SubmitInput())


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        widget=PasswordInput(),
        validators=[
            InputRequired(message="Enter your password"),
            Length(max=MAX_LENGTH, message=f"Password must be {MAX_LENGTH} characters or fewer"),
        ],
    )
    submit = SubmitField("Sign in", widget=SubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send reset link", widget=SubmitInput())


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = new_password_field("New password")
    submit = SubmitField("Set password", widget=SubmitInput())


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=PasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    password = new_password_field("New password")
    submit = SubmitField("Change password", widget=SubmitInput())


def current_password_field() -> PasswordField:
    return PasswordField(
        "Your password",
        widget=PasswordInput(),
        validators=[
            InputRequired(message="Enter your password"),
            Length(max=MAX_LENGTH, message=f"Password must be {MAX_LENGTH} characters or fewer"),
        ],
    )


class ChangeEmailForm(FlaskForm):
    """A new address for the account, confirmed with its password. The field is `email`, which
    the limit per address reads (limits.submitted_email)."""

    email = email_field("New email address", required="Enter your new email address")
    password = current_password_field()
    submit = SubmitField("Send a confirmation link", widget=SubmitInput())


class CodeForm(FlaskForm):
    """The six-digit code an authenticator app shows."""

    code = text_field(
        "Code from your authenticator app",
        required="Enter the 6-digit code",
        length=20,
        description="The 6-digit code the app shows now.",
    )
    submit = SubmitField("Continue", widget=SubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = text_field(
        "Recovery code",
        required="Enter a recovery code",
        length=40,
        description="One of the recovery codes you saved when you added your authenticator app, "
        "like abcd-efgh-jkmn-pqrs.",
    )
    submit = SubmitField("Continue", widget=SubmitInput())


class AddAppForm(CodeForm):
    """Adding an app from the account page: the password again, then the new app's first code."""

    password = current_password_field()
    submit = SubmitField("Add authenticator app", widget=SubmitInput())


class PasswordConfirmForm(FlaskForm):
    """A change to the account's factors, confirmed with its password."""

    password = current_password_field()
    submit = SubmitField("Continue", widget=SubmitInput())


class ResetAppForm(FlaskForm):
    """Staff resetting someone's authenticator app: how they knew it was the account's owner asking."""

    check = text_area(
        "How did you confirm that the person asking owns this account?",
        required="Say how you confirmed that the person asking owns this account",
        length=500,
    )
    submit = SubmitField("Reset their authenticator app", widget=SubmitInput())


class NamePasskeyForm(FlaskForm):
    name = text_field(
        "Name this passkey",
        required="Enter a name for this passkey",
        length=100,
        description="So you can tell your passkeys apart: for example, Work laptop or Phone.",
    )
    password = current_password_field()
    submit = SubmitField("Continue", widget=SubmitInput())


class PasskeyForm(FlaskForm):
    """What the browser made of a passkey ceremony (its JSON), filled in by static/js/passkeys.mjs."""

    credential = StringField(widget=HiddenInput(), validators=[Length(max=20_000)])
