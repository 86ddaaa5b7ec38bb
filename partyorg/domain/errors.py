"""Errors a person can act on."""


class DomainError(Exception):
    """A rule was broken; `message` is shown to the user, `field` names the form field if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleEdit(DomainError):
    """Someone else saved the record after this form was opened."""

    def __init__(self):
        super().__init__("此记录已被他人修改，您的修改没有保存。请刷新页面，核对最新内容后再提交。")
