from django.contrib import admin

from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "intents", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["title", "slug", "keywords", "body_en", "body_ml", "body_ml_latn"]
    prepopulated_fields = {"slug": ["title"]}
