from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from pipeline.models import Answer, EventKind, Outcome, Side
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_conversation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(description='MATCHMAKING: matchmaking\nTRAINING: training\nVISIT: visit', enum_type=EventKind, max_length=16)),
                ('description', fields.TextField(default='', unique=False)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('place', fields.CharField(default='', max_length=200)),
                ('online_url', fields.CharField(default='', max_length=500)),
                ('domains', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('slot_minutes', fields.IntField(default=20)),
                ('tables', fields.IntField(default=10)),
                ('capacity', fields.IntField(default=100)),
                ('max_wishes', fields.IntField(default=5)),
                ('scheduled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_events', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'pipeline_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A matchmaking session, training or visit held by the lab, with one-to-one meetings at matchmaking sessions.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventRegistration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.CASCADE)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='event_registrations', on_delete=OnDelete.RESTRICT)),
                ('side', fields.CharEnumField(description='DEPARTMENT: department\nSUPPLIER: supplier', enum_type=Side, max_length=16)),
                ('available', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('wishes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('note', fields.CharField(default='', max_length=500)),
                ('registered_by', fields.ForeignKeyField('models.User', source_field='registered_by_id', null=True, db_constraint=True, to_field='id', related_name='event_registrations', on_delete=OnDelete.SET_NULL)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'pipeline_event_registration', 'app': 'models', 'unique_together': (('event', 'organisation'),), 'pk_attr': 'id', 'table_description': 'An organisation registered for an event, with the hours it is there and whom it wants to meet.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Meeting',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='meetings', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('models.Organisation', source_field='department_id', db_constraint=True, to_field='id', related_name='department_meetings', on_delete=OnDelete.RESTRICT)),
                ('supplier', fields.ForeignKeyField('models.Organisation', source_field='supplier_id', db_constraint=True, to_field='id', related_name='supplier_meetings', on_delete=OnDelete.RESTRICT)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('table', fields.IntField()),
                ('score', fields.FloatField()),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('department_answer', fields.CharEnumField(default=Answer.PENDING, description='PENDING: pending\nCONFIRMED: confirmed\nDECLINED: declined', enum_type=Answer, max_length=16)),
                ('supplier_answer', fields.CharEnumField(default=Answer.PENDING, description='PENDING: pending\nCONFIRMED: confirmed\nDECLINED: declined', enum_type=Answer, max_length=16)),
                ('decline_reason', fields.CharField(default='', max_length=500)),
                ('outcome', fields.CharEnumField(null=True, description='INTENT: intent\nFOLLOW_UP: follow_up\nNONE: none', enum_type=Outcome, max_length=16)),
                ('outcome_note', fields.TextField(default='', unique=False)),
                ('proposal', fields.ForeignKeyField('models.Proposal', source_field='proposal_id', null=True, db_constraint=True, to_field='id', related_name='event_meetings', on_delete=OnDelete.SET_NULL)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'pipeline_meeting', 'app': 'models', 'unique_together': (('event', 'department', 'supplier'), ('event', 'starts_at', 'table'), ('event', 'department', 'starts_at'), ('event', 'supplier', 'starts_at')), 'pk_attr': 'id', 'table_description': 'One one-to-one meeting of a department and a supplier at an event, at a table in a time slot.'},
            bases=['Model'],
        ),
    ]
