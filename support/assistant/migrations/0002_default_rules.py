from django.db import migrations

RULES = [
    {
        "name": "fraud",
        "pattern": (
            r"\b(fraud|scam|scammed|cheated|fake seller|thattippu|thattip|pattichu)\b"
            r"|തട്ടിപ്പ്|വഞ്ചന|പറ്റിച്ചു"
        ),
        "reason": "Customer reports fraud or being cheated.",
    },
    {
        "name": "legal",
        "pattern": (
            r"\b(lawyer|advocate|legal (action|notice)|consumer (court|forum|commission)"
            r"|sue you|police (complaint|case)|file a case|vakeel|vakkeel|case kodukk\w*)\b"
            r"|വക്കീൽ|കോടതി|പോലീസിൽ പരാതി|കേസ് കൊടുക്ക"
        ),
        "reason": "Customer mentions legal action.",
    },
]


def load(apps, schema_editor):
    EscalationRule = apps.get_model("assistant", "EscalationRule")
    for rule in RULES:
        EscalationRule.objects.update_or_create(name=rule["name"], defaults=rule)


def unload(apps, schema_editor):
    EscalationRule = apps.get_model("assistant", "EscalationRule")
    EscalationRule.objects.filter(name__in=[r["name"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("assistant", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
