from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_organisation_registration')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SignInThrottle',
            fields=[
                ('bucket', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=300)),
                ('window_start', fields.BigIntField()),
                ('attempts', fields.IntField(default=0)),
            ],
            options={'table': 'sign_in_throttle', 'app': 'models', 'pk_attr': 'bucket', 'table_description': 'Sign-in attempts per bucket in the current window, counted by one atomic upsert.'},
            bases=['Model'],
        ),
        ops.DeleteModel(name='SignInFailure'),
    ]
