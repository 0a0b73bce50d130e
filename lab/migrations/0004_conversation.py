from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from lab.conversation_models import Frequency, QuestionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_data_sharing_progress')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Digest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='digests', on_delete=OnDelete.CASCADE)),
                ('frequency', fields.CharEnumField(description='INSTANT: instant\nDAILY: daily\nWEEKLY: weekly', enum_type=Frequency, max_length=10)),
                ('period', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'digest', 'app': 'models', 'unique_together': (('user', 'frequency', 'period'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Alert',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='alerts', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=160)),
                ('frequency', fields.CharEnumField(description='INSTANT: instant\nDAILY: daily\nWEEKLY: weekly', enum_type=Frequency, max_length=10)),
                ('object_kind', fields.CharField(max_length=20)),
                ('object_id', fields.IntField()),
                ('title', fields.CharField(max_length=200)),
                ('reason', fields.CharField(max_length=300)),
                ('digest', fields.ForeignKeyField('models.Digest', source_field='digest_id', null=True, db_constraint=True, to_field='id', related_name='alerts', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'alert', 'app': 'models', 'unique_together': (('user', 'key'),), 'pk_attr': 'id', 'table_description': 'One thing a user asked to hear about, found once: ``key`` says which subscription and which'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Follow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='follows', on_delete=OnDelete.CASCADE)),
                ('object_kind', fields.CharField(max_length=20)),
                ('object_id', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'follow', 'app': 'models', 'unique_together': (('user', 'object_kind', 'object_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MailMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('to_addr', fields.CharField(max_length=254)),
                ('subject', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('unsubscribe_url', fields.CharField(default='', max_length=500)),
                ('digest', fields.OneToOneField('models.Digest', source_field='digest_id', null=True, db_constraint=True, to_field='id', related_name='mail', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('sent_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mail_message', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The mail outbox: written in the transaction that decides to send, delivered by the worker,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Question',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('demand', fields.ForeignKeyField('models.Demand', source_field='demand_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.CASCADE)),
                ('asker', fields.ForeignKeyField('models.User', source_field='asker_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.RESTRICT)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.RESTRICT)),
                ('text', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=QuestionStatus.OPEN, description='OPEN: open\nANSWERED: answered\nHIDDEN: hidden', enum_type=QuestionStatus, max_length=16)),
                ('answer', fields.TextField(default='', unique=False)),
                ('answered_by', fields.ForeignKeyField('models.User', source_field='answered_by_id', null=True, db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.SET_NULL)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_reason', fields.TextField(default='', unique=False)),
                ('hidden_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'question', 'app': 'models', 'pk_attr': 'id', 'table_description': "A supplier's public clarification question on a published demand (公开答疑)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SavedSearch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='saved_searches', on_delete=OnDelete.CASCADE)),
                ('q', fields.CharField(default='', max_length=200)),
                ('kind', fields.CharField(null=True, max_length=20)),
                ('filters', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('frequency', fields.CharEnumField(default=Frequency.INSTANT, description='INSTANT: instant\nDAILY: daily\nWEEKLY: weekly', enum_type=Frequency, max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'saved_search', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Demand',
            name='questions_close_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notification',
            name='object_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Notification',
            name='object_kind',
            field=fields.CharField(default='', max_length=20),
        ),
        ops.AddField(
            model_name='Proposal',
            name='decision_reason',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='User',
            name='digest_mail',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='User',
            name='fit_alerts',
            field=fields.BooleanField(default=True),
        ),
    ]
