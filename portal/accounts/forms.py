from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.accounts.passwords import MAX_LENGTH, password_problem
from portal.fields import email_field, text_field
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
