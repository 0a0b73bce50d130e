from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from pipeline.models import DataRequestStatus, SharingClass
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_audit_record_in_core')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DataResource',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.ForeignKeyField('models.Organisation', source_field='department_id', db_constraint=True, to_field='id', related_name='data_resources', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('data_fields', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('update_frequency', fields.CharField(max_length=20)),
                ('sharing_class', fields.CharEnumField(description='UNCONDITIONAL: unconditional\nCONDITIONAL: conditional\nNOT_SHARED: not_shared', enum_type=SharingClass, max_length=16)),
                ('not_shared_reason', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'pipeline_data_resource', 'app': 'models', 'unique_together': (('department', 'name'),), 'pk_attr': 'id', 'table_description': "A public-data resource in a department's catalogue (公共数据资源目录)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DataRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resource', fields.ForeignKeyField('models.DataResource', source_field='resource_id', db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.RESTRICT)),
                ('requester', fields.ForeignKeyField('models.User', source_field='requester_id', null=True, db_constraint=True, to_field='id', related_name='data_requests', on_delete=OnDelete.SET_NULL)),
                ('requester_org', fields.ForeignKeyField('models.Organisation', source_field='requester_org_id', db_constraint=True, to_field='id', related_name='data_requests', on_delete=OnDelete.RESTRICT)),
                ('demand', fields.ForeignKeyField('models.Demand', source_field='demand_id', null=True, db_constraint=True, to_field='id', related_name='data_requests', on_delete=OnDelete.RESTRICT)),
                ('scenario', fields.ForeignKeyField('models.Scenario', source_field='scenario_id', null=True, db_constraint=True, to_field='id', related_name='data_requests', on_delete=OnDelete.RESTRICT)),
                ('purpose', fields.TextField(unique=False)),
                ('data_fields', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('period_from', fields.DateField()),
                ('period_to', fields.DateField()),
                ('status', fields.CharEnumField(db_index=True, description='PENDING: pending\nGRANTED: granted\nREFUSED: refused', enum_type=DataRequestStatus, max_length=16)),
                ('received_on', fields.DateField()),
                ('due_on', fields.DateField(null=True)),
                ('calendar_provisional', fields.BooleanField(default=False)),
                ('answered_on', fields.DateField(null=True)),
                ('answered_by', fields.ForeignKeyField('models.User', source_field='answered_by_id', null=True, db_constraint=True, to_field='id', related_name='data_answers', on_delete=OnDelete.SET_NULL)),
                ('refusal_reason', fields.TextField(default='', unique=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'pipeline_data_request', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A request for a resource, serving one demand or one scenario. Conditional requests are due'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProgressUpdate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scenario', fields.ForeignKeyField('models.Scenario', source_field='scenario_id', db_constraint=True, to_field='id', related_name='progress_updates', on_delete=OnDelete.CASCADE)),
                ('period', fields.CharField(max_length=7)),
                ('period_start', fields.DateField()),
                ('milestone', fields.CharField(max_length=200)),
                ('indicators', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('note', fields.TextField(default='', unique=False)),
                ('attachments', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('source', fields.CharField(default='api', max_length=10)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='progress_updates', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'pipeline_progress_update', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A progress report on a listed scenario (跟踪问效): a period, a milestone, indicator values.'},
            bases=['Model'],
        ),
    ]
