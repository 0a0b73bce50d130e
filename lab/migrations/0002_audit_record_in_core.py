from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='AuditRecord',
            options={'table': 'pipeline_audit_record', 'app': 'models', 'indexes': [Index(fields=['object_kind', 'object_id'])], 'pk_attr': 'id', 'table_description': 'Append-only audit trail of the core: who did what to which object, before and after, why, when.'},
        ),
    ]
