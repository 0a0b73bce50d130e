from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_events')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Organisation',
            name='pending',
            field=fields.BooleanField(default=False, db_index=True, db_default=False),
        ),
        ops.AddField(
            model_name='Organisation',
            name='rejection_reason',
            field=fields.CharField(default='', db_default='', max_length=500),
        ),
    ]
