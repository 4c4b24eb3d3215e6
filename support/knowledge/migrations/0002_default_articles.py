from django.db import migrations

# Loads the starting knowledge base into a new installation; existing installations edit
# their articles in the admin.
from support.knowledge.default_articles import ARTICLES


def load(apps, schema_editor):
    Article = apps.get_model("knowledge", "Article")
    for article in ARTICLES:
        Article.objects.update_or_create(slug=article["slug"], defaults=article)


def unload(apps, schema_editor):
    Article = apps.get_model("knowledge", "Article")
    Article.objects.filter(slug__in=[a["slug"] for a in ARTICLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
