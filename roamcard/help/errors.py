from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import NotFound


class ArticleNotFound(NotFound):
    code = "help_article_not_found"
    message = _("There is no help article at this address.")
