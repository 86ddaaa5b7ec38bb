"""The base form: WTForms' own messages (numbers, dates, choices) in Chinese."""
from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    class Meta:
        locales = ("zh",)
