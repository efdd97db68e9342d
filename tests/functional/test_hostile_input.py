"""Hostile input: every call refused with a clean 4xx, nothing changed.

One deployment (API and conductor processes, RabbitMQ, PostgreSQL, the
strictest database about strings; and the all-in-one on sqlite) holds a
small world: two projects, each
with local clouds, an active image with its finished upload job and a
queued image. Every case of the tables below sends one hostile request as
project A and checks that:

* the answer is the 4xx it should be, with the JSON error document
  (and an ``Allow`` header for a 405);
* an error message quotes no more than a short prefix of any value;
* the new lines of the API and conductor logs hold no traceback and no
  ERROR;
* nothing changed: clouds, images with their locations, and jobs, as both
  projects list them, and every file of the local clouds and the staging
  area (names, sizes, modification times).

Requests that ``requests`` would fix up or refuse to send (truncated
bodies, broken chunked encoding, huge or malformed headers) go through a
raw socket. One test method is generated per case, so each is reported.
"""

import atexit
import base64
import collections
import json
import os
import shutil
import socket
import tempfile

import testtools

from tests.functional import base

Case = collections.namedtuple(
    'Case', 'name method path status body content_type headers raw allow '
            'upload')

KiB = 1024
MiB = base.MiB

# A hostile string per kind of forbidden character; the lone surrogate
# travels as the JSON escape json.dumps writes for it.
BAD_STRINGS = {
    'nul': 'a\x00b',
    'escape': 'a\x1bb',
    'newline': 'a\nb',
    'surrogate': 'a\ud800b',
}
BAD_QUERY = {
    'nul': '%00',
    'escape': '%1B',
    'surrogate': '%ED%A0%80',
    'not_utf8': '%FF',
}
JSON_TYPE = 'application/json'


def case(name, method, path, status, body=None, content_type=None,
         headers=None, raw=None, allow=None, upload=False):
    if body is not None and content_type is None and not isinstance(
            body, bytes):
        content_type = JSON_TYPE
    return Case(name, method, path, status, body, content_type,
                headers or {}, raw, allow, upload)


def deep(depth, leaf='x'):
    """JSON text of ``depth`` nested objects."""
    return '{"a":' * depth + json.dumps(leaf) + '}' * depth


def b64(document):
    if isinstance(document, str):
        document = document.encode()
    elif not isinstance(document, bytes):
        document = json.dumps(document).encode()
    return base64.b64encode(document).decode()


# Paths of the API and the methods each takes, for the 405 cases.
ROUTES = {
    '/': 'GET',
    '/v1': 'GET',
    '/v1/clouds': 'GET, POST',
    '/v1/clouds/{cloud}': 'DELETE, GET, PATCH',
    '/v1/clouds/{cloud}/validate': 'POST',
    '/v1/clouds/{cloud}/images': 'GET',
    '/v1/images': 'GET, POST',
    '/v1/images/adopt': 'POST',
    '/v1/images/{image}': 'DELETE, GET, PATCH',
    '/v1/images/{queued}/file': 'PUT',
    '/v1/images/{image}/sync': 'POST',
    '/v1/images/{image}/refresh': 'POST',
    '/v1/images/{image}/locations': 'GET, POST',
    '/v1/images/{image}/locations/{cloud}': 'DELETE',
    '/v1/jobs': 'GET',
    '/v1/jobs/{job}': 'GET',
    '/v1/jobs/{job}/cancel': 'POST',
    '/v1/jobs/{job}/resume': 'POST',
}
METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS')


def wrong_method_cases():
    cases = []
    for path, allowed in ROUTES.items():
        for method in METHODS:
            if method in allowed.split(', '):
                continue
            # The id again in the body, as a client guessing would send.
            body = ({'id': '{image}', 'ident': '{cloud}',
                     'image_id': '{image}', 'job_id': '{job}'}
                    if method in ('POST', 'PUT', 'PATCH', 'DELETE')
                    else None)
            slug = path.strip('/').replace('/', '_').replace(
                '{', '').replace('}', '') or 'root'
            cases.append(case('wrong_method_%s_%s' % (method.lower(), slug),
                              method, path, 405, body=body, allow=allowed))
    return cases


def override_cases():
    form = 'application/x-www-form-urlencoded'
    return [
        case('override_query_delete_cloud', 'POST',
             '/v1/clouds/{cloud}/validate?_method=delete', 400),
        case('override_query_delete_on_collection', 'POST',
             '/v1/clouds?_method=delete', 400, body={'ident': '{cloud}'}),
        case('override_query_patch_cloud', 'POST',
             '/v1/clouds?_method=patch', 400,
             body={'name': 'renamed', 'type': 'local'}),
        case('override_query_delete_image', 'POST',
             '/v1/images/{image}/sync?_method=delete', 400),
        case('override_query_delete_location', 'POST',
             '/v1/images/{image}/locations?_method=delete', 400,
             body={'cloud': '{cloud}', 'remote_id': 'x'}),
        case('override_query_on_get', 'GET',
             '/v1/clouds/{cloud}?_method=delete', 400),
        case('override_form_delete_cloud', 'POST',
             '/v1/clouds/{cloud}/validate', 415,
             body=b'_method=delete', content_type=form),
        case('override_form_patch_cloud', 'POST', '/v1/clouds', 415,
             body=b'_method=patch&ident={cloud}&name=renamed',
             content_type=form),
        case('override_form_delete_image', 'POST',
             '/v1/images/{image}/refresh', 415,
             body=b'_method=delete', content_type=form),
        case('override_multipart_delete', 'POST', '/v1/clouds', 415,
             body=b'--x\r\nContent-Disposition: form-data; name="_method"'
                  b'\r\n\r\ndelete\r\n--x--\r\n',
             content_type='multipart/form-data; boundary=x'),
        case('override_header_ignored_delete', 'GET', '/v1/clouds/{cloud}',
             200, headers={'X-HTTP-Method-Override': 'DELETE'}),
    ]


def missing_id_cases():
    return [
        case('missing_id_cancel', 'POST', '/v1/jobs/cancel', 405,
             allow='GET'),
        case('missing_id_resume', 'POST', '/v1/jobs/resume', 405,
             body={'job_id': '{job}', 'credentials': {}}, allow='GET'),
        case('missing_id_delete_image', 'DELETE', '/v1/images', 405,
             body={'image_id': '{image}'}, allow='GET, POST'),
        case('missing_id_delete_cloud', 'DELETE', '/v1/clouds', 405,
             body={'ident': '{cloud}'}, allow='GET, POST'),
        case('missing_id_patch_cloud', 'PATCH', '/v1/clouds', 405,
             body={'ident': '{cloud}', 'name': 'renamed'},
             allow='GET, POST'),
        case('missing_id_delete_image_query', 'DELETE',
             '/v1/images?image_id={image}', 405, allow='GET, POST'),
        case('missing_id_delete_location', 'DELETE',
             '/v1/images/{image}/locations', 405,
             body={'cloud_ident': '{cloud}'}, allow='GET, POST'),
        case('missing_id_upload', 'PUT', '/v1/images/file', 405,
             body=b'data', content_type='application/octet-stream',
             allow='DELETE, GET, PATCH'),
        case('missing_id_empty_segment_sync', 'POST', '/v1/images//sync',
             404),
        case('missing_id_empty_segment_locations', 'GET',
             '/v1/images//locations', 404),
        case('missing_id_validate', 'POST', '/v1/clouds/validate', 405,
             allow='DELETE, GET, PATCH'),
        case('unknown_path', 'GET', '/v1/nothing', 404),
        case('unknown_version', 'GET', '/v2/clouds', 404),
        case('too_many_segments', 'GET', '/v1/jobs/{job}/cancel/now', 404),
        case('adopt_is_not_an_id', 'GET', '/v1/images/adopt', 405,
             allow='POST'),
    ]


def other_project_cases():
    cred = {'credentials': {'{b_cloud}': {'x': 'y'}}}
    return [
        case('other_get_cloud', 'GET', '/v1/clouds/{b_cloud}', 404),
        case('other_get_cloud_by_name', 'GET', '/v1/clouds/{b_cloud_name}',
             404),
        case('other_patch_cloud', 'PATCH', '/v1/clouds/{b_cloud}', 404,
             body={'name': 'mine-now'}),
        case('other_delete_cloud', 'DELETE', '/v1/clouds/{b_cloud}', 404),
        case('other_validate_cloud', 'POST',
             '/v1/clouds/{b_cloud}/validate', 404),
        case('other_browse_cloud', 'GET', '/v1/clouds/{b_cloud}/images',
             404),
        case('other_get_image', 'GET', '/v1/images/{b_image}', 404),
        case('other_patch_image', 'PATCH', '/v1/images/{b_image}', 404,
             body={'name': 'mine-now'}),
        case('other_delete_image', 'DELETE', '/v1/images/{b_image}', 404),
        case('other_purge_image', 'DELETE',
             '/v1/images/{b_image}?purge=true', 404),
        case('other_upload', 'PUT', '/v1/images/{b_queued}/file', 404,
             body=b'data', content_type='application/octet-stream'),
        case('other_sync', 'POST', '/v1/images/{b_image}/sync', 404),
        case('other_refresh', 'POST', '/v1/images/{b_image}/refresh', 404),
        case('other_list_locations', 'GET',
             '/v1/images/{b_image}/locations', 404),
        case('other_link_location', 'POST',
             '/v1/images/{b_image}/locations', 404,
             body={'cloud': '{cloud}', 'remote_id': '{image}'}),
        case('other_delete_location', 'DELETE',
             '/v1/images/{b_image}/locations/{b_cloud}', 404),
        case('other_get_job', 'GET', '/v1/jobs/{b_job}', 404),
        case('other_cancel_job', 'POST', '/v1/jobs/{b_job}/cancel', 404),
        case('other_resume_job', 'POST', '/v1/jobs/{b_job}/resume', 404,
             body={'credentials': {}}),
        case('other_cloud_as_target', 'POST', '/v1/images', 400,
             body={'targets': ['{b_cloud}']}),
        case('other_cloud_as_sync_target', 'POST',
             '/v1/images/{image}/sync', 400,
             body={'targets': ['{b_cloud}']}),
        case('other_cloud_as_adopt_source', 'POST', '/v1/images/adopt', 400,
             body={'source': {'cloud': '{b_cloud}',
                              'remote_id': '{b_image}'}}),
        case('other_cloud_in_location', 'POST',
             '/v1/images/{image}/locations', 400,
             body={'cloud': '{b_cloud}', 'remote_id': '{b_image}'}),
        case('other_cloud_in_filter', 'GET',
             '/v1/images?available_in={b_cloud}', 400),
        case('other_cloud_credentials', 'POST',
             '/v1/clouds/{cloud}/validate', 400, body=cred),
        case('other_all_projects_without_role', 'GET',
             '/v1/images?all_projects=true', 403),
    ]


# Every string field of every body, with a valid body around it.
STRING_FIELDS = [
    ('cloud_create_name', 'POST', '/v1/clouds',
     lambda v: {'name': v, 'type': 'local'}),
    ('cloud_create_type', 'POST', '/v1/clouds',
     lambda v: {'name': 'n', 'type': v}),
    ('cloud_create_region', 'POST', '/v1/clouds',
     lambda v: {'name': 'n', 'type': 'local', 'region': v}),
    ('cloud_create_credential_ref', 'POST', '/v1/clouds',
     lambda v: {'name': 'n', 'type': 'local', 'credential_ref': v}),
    ('cloud_create_option_key', 'POST', '/v1/clouds',
     lambda v: {'name': 'n', 'type': 'local', 'options': {v: 'p'}}),
    ('cloud_update_name', 'PATCH', '/v1/clouds/{cloud}',
     lambda v: {'name': v}),
    ('cloud_update_region', 'PATCH', '/v1/clouds/{cloud}',
     lambda v: {'region': v}),
    ('image_create_name', 'POST', '/v1/images',
     lambda v: {'name': v, 'targets': ['{cloud}']}),
    ('image_create_target', 'POST', '/v1/images',
     lambda v: {'targets': [v]}),
    ('image_update_name', 'PATCH', '/v1/images/{image}',
     lambda v: {'name': v}),
    ('adopt_source_cloud', 'POST', '/v1/images/adopt',
     lambda v: {'source': {'cloud': v, 'remote_id': 'r'}}),
    ('adopt_source_remote_id', 'POST', '/v1/images/adopt',
     lambda v: {'source': {'cloud': '{cloud}', 'remote_id': v}}),
    ('adopt_name', 'POST', '/v1/images/adopt',
     lambda v: {'source': {'cloud': '{cloud}', 'remote_id': 'r'},
                'name': v}),
    ('sync_target', 'POST', '/v1/images/{image}/sync',
     lambda v: {'targets': [v]}),
    ('location_cloud', 'POST', '/v1/images/{image}/locations',
     lambda v: {'cloud': v, 'remote_id': 'r'}),
    ('location_remote_id', 'POST', '/v1/images/{image}/locations',
     lambda v: {'cloud': '{cloud}', 'remote_id': v}),
    ('validate_credentials_cloud', 'POST', '/v1/clouds/{cloud}/validate',
     lambda v: {'credentials': {v: {'k': 'v'}}}),
    ('refresh_credentials_key', 'POST', '/v1/images/{image}/refresh',
     lambda v: {'credentials': {'{cloud}': {v: 'v'}}}),
    ('resume_credentials_value', 'POST', '/v1/jobs/{job}/resume',
     lambda v: {'credentials': {'{cloud}': {'k': v}}}),
]
# Multi-line fields take a newline, nothing else below 0x20.
MULTI_LINE_FIELDS = [
    ('cloud_create_description', 'POST', '/v1/clouds',
     lambda v: {'name': 'n', 'type': 'local', 'description': v}),
    ('cloud_update_description', 'PATCH', '/v1/clouds/{cloud}',
     lambda v: {'description': v}),
]


def string_cases():
    cases = []
    for field, method, path, make in STRING_FIELDS:
        for kind, value in BAD_STRINGS.items():
            if kind == 'newline' and 'credentials_value' in field:
                continue  # a PEM key has newlines
            cases.append(case('string_%s_%s' % (kind, field), method, path,
                              400, body=make(value)))
    for field, method, path, make in MULTI_LINE_FIELDS:
        for kind, value in BAD_STRINGS.items():
            if kind != 'newline':
                cases.append(case('string_%s_%s' % (kind, field), method,
                                  path, 400, body=make(value)))
    return cases


def query_and_path_cases():
    cases = []
    for kind, value in BAD_QUERY.items():
        cases += [
            case('query_%s_name_filter' % kind, 'GET',
                 '/v1/images?name=' + value, 400),
            case('query_%s_job_image_filter' % kind, 'GET',
                 '/v1/jobs?image_id=' + value, 400),
            case('query_%s_purge' % kind, 'DELETE',
                 '/v1/images/{image}?purge=' + value, 400),
            case('query_%s_parameter_name' % kind, 'GET',
                 '/v1/clouds?' + value + '=1', 400),
            case('path_%s_cloud' % kind, 'GET', '/v1/clouds/' + value, 400),
            case('path_%s_delete_image' % kind, 'DELETE',
                 '/v1/images/a' + value, 400),
            case('path_%s_job' % kind, 'POST',
                 '/v1/jobs/' + value + '/cancel', 400),
        ]
    cases += [
        case('path_nul_location_cloud', 'DELETE',
             '/v1/images/{image}/locations/%00', 400),
        case('path_escape_patch_cloud', 'PATCH', '/v1/clouds/%1B', 400,
             body={'name': 'x'}),
        case('query_nul_live', 'GET', '/v1/images/{image}/locations?live=%00',
             400),
        case('query_nul_all_projects', 'GET', '/v1/clouds?all_projects=%00',
             400),
    ]
    return cases


def enum_cases():
    return [
        case('enum_image_status', 'GET', '/v1/images?status=bogus', 400),
        case('enum_image_status_case', 'GET', '/v1/images?status=ACTIVE',
             400),
        case('enum_job_state', 'GET', '/v1/jobs?state=finished', 400),
        case('enum_sort_key', 'GET', '/v1/images?sort_key=password', 400),
        case('enum_sort_dir', 'GET', '/v1/images?sort_dir=up', 400),
        case('enum_purge', 'DELETE', '/v1/images/{image}?purge=maybe', 400),
        case('enum_purge_empty', 'DELETE', '/v1/images/{image}?purge=', 400),
        case('enum_live', 'GET', '/v1/images/{image}/locations?live=perhaps',
             400),
        case('enum_all_projects', 'GET', '/v1/jobs?all_projects=2', 400),
        case('enum_limit_negative', 'GET', '/v1/images?limit=-1', 400),
        case('enum_limit_text', 'GET', '/v1/jobs?limit=ten', 400),
        case('enum_repeated_status', 'GET',
             '/v1/images?status=active&status=queued', 400),
        case('unknown_param_list', 'GET', '/v1/images?owner=me', 400),
        case('unknown_param_get_one', 'GET', '/v1/clouds/{cloud}?fields=x',
             400),
        case('unknown_param_post', 'POST', '/v1/images/{image}/sync?x=1',
             400),
        case('unknown_param_delete_cloud', 'DELETE',
             '/v1/clouds/{cloud}?force=true', 400),
        case('unknown_param_versions', 'GET', '/?v=2', 400),
        case('too_many_params', 'GET',
             '/v1/images?' + '&'.join('name=%d' % i for i in range(40)),
             400),
    ]


def type_cases():
    return [
        case('type_body_list', 'POST', '/v1/clouds', 400, body=[]),
        case('type_body_string', 'PATCH', '/v1/images/{image}', 400,
             body='name'),
        case('type_body_null', 'POST', '/v1/images', 400, body=b'null',
             content_type=JSON_TYPE),
        case('type_name_number', 'POST', '/v1/clouds', 400,
             body={'name': 12, 'type': 'local'}),
        case('type_shared_string', 'POST', '/v1/clouds', 400,
             body={'name': 'n', 'type': 'local', 'shared': 'yes'}),
        case('type_options_list', 'POST', '/v1/clouds', 400,
             body={'name': 'n', 'type': 'local', 'options': ['path']}),
        case('type_targets_string', 'POST', '/v1/images', 400,
             body={'targets': '{cloud}'}),
        case('type_targets_empty', 'POST', '/v1/images', 400,
             body={'targets': []}),
        case('type_targets_numbers', 'POST', '/v1/images', 400,
             body={'targets': [1]}),
        case('type_disk_format', 'POST', '/v1/images', 400,
             body={'targets': ['{cloud}'], 'disk_format': 'exe'}),
        case('type_force_string', 'POST', '/v1/images/{image}/locations',
             400, body={'cloud': '{cloud}', 'remote_id': 'r',
                        'force': 'true'}),
        case('type_credentials_list', 'POST', '/v1/images/{image}/refresh',
             400, body={'credentials': []}),
        case('type_unknown_field', 'PATCH', '/v1/clouds/{cloud}', 400,
             body={'type': 'glance'}),
        case('type_project_id_field', 'PATCH', '/v1/images/{image}', 400,
             body={'project_id': 'other'}),
        case('type_cancel_with_body', 'POST', '/v1/jobs/{job}/cancel', 400,
             body={'force': True}),
        case('type_resume_without_credentials', 'POST',
             '/v1/jobs/{job}/resume', 400, body={}),
    ]


def malformed_json_cases():
    def raw_json(name, method, path, data, status=400):
        return case(name, method, path, status, body=data,
                    content_type=JSON_TYPE)
    return [
        raw_json('json_unclosed', 'POST', '/v1/clouds', b'{'),
        raw_json('json_missing_value', 'POST', '/v1/clouds',
                 b'{"name": }'),
        raw_json('json_trailing_garbage', 'PATCH', '/v1/clouds/{cloud}',
                 b'{"name": "x"} {"name": "y"}'),
        raw_json('json_nan', 'POST', '/v1/clouds',
                 b'{"name": "n", "type": "local", "options": {"a": NaN}}'),
        raw_json('json_infinity', 'POST', '/v1/clouds',
                 b'{"name": "n", "type": "local", "options": '
                 b'{"a": 1e999}}'),
        raw_json('json_huge_integer', 'POST', '/v1/clouds',
                 b'{"name": "n", "type": "local", "options": {"a": '
                 + b'9' * 5000 + b'}}'),
        raw_json('json_not_utf8', 'PATCH', '/v1/images/{image}',
                 b'{"name": "\xff\xfe"}'),
        raw_json('json_utf16', 'PATCH', '/v1/images/{image}',
                 '{"name": "x"}'.encode('utf-16')),
        raw_json('json_empty_required', 'POST', '/v1/clouds', b''),
        raw_json('json_whitespace_only', 'POST', '/v1/images', b'  \n '),
        raw_json('json_nul_in_key', 'PATCH', '/v1/clouds/{cloud}',
                 b'{"na\\u0000me": "x"}'),
        raw_json('json_surrogate_in_unknown_key', 'PATCH',
                 '/v1/clouds/{cloud}', b'{"\\udfff": 1}'),
        raw_json('json_deep_body', 'POST', '/v1/clouds',
                 deep(10000).encode()),
        raw_json('json_deep_list', 'POST', '/v1/images',
                 b'[' * 10000 + b']' * 10000),
        raw_json('json_33_levels_in_options', 'POST', '/v1/clouds',
                 ('{"name": "n", "type": "local", "options": %s}'
                  % deep(32)).encode()),
        raw_json('json_deep_credentials', 'POST',
                 '/v1/images/{image}/refresh',
                 ('{"credentials": {"c": %s}}' % deep(10000)).encode()),
        raw_json('json_too_large', 'POST', '/v1/clouds',
                 json.dumps({'name': 'n', 'type': 'local',
                             'description': 'x' * (MiB + 10)}).encode(),
                 413),
    ]


def oversize_cases():
    big = 'x' * (64 * KiB)
    return [
        case('oversize_cloud_name', 'POST', '/v1/clouds', 400,
             body={'name': big, 'type': 'local'}),
        case('oversize_image_name', 'PATCH', '/v1/images/{image}', 400,
             body={'name': big}),
        case('oversize_target', 'POST', '/v1/images', 400,
             body={'targets': [big]}),
        case('oversize_unknown_field_name', 'PATCH', '/v1/clouds/{cloud}',
             400, body={big: 1}),
        case('oversize_remote_id', 'POST', '/v1/images/{image}/locations',
             400, body={'cloud': '{cloud}', 'remote_id': 'r' * 256}),
        case('oversize_credential_value', 'POST',
             '/v1/clouds/{cloud}/validate', 400,
             body={'credentials': {'{cloud}': {'k': 's' * 65537}}}),
        case('oversize_many_targets', 'POST', '/v1/images', 400,
             body={'targets': ['missing-%d' % i for i in range(5000)]}),
        case('oversize_path_segment', 'GET', '/v1/clouds/' + 'c' * 256, 400),
        case('oversize_query_value', 'GET', '/v1/images?name=' + 'n' * 256,
             400),
        case('oversize_cloud_name_in_path', 'DELETE',
             '/v1/clouds/' + big, 414),
    ]


def content_type_cases():
    octets = 'application/octet-stream'
    body = b'{"name": "n", "type": "local"}'
    return [
        case('ctype_text_plain', 'POST', '/v1/clouds', 415, body=body,
             content_type='text/plain'),
        case('ctype_form', 'POST', '/v1/clouds', 415, body=body,
             content_type='application/x-www-form-urlencoded'),
        case('ctype_missing', 'POST', '/v1/clouds', 415, body=body,
             content_type=''),
        case('ctype_octets_on_json_call', 'PATCH', '/v1/clouds/{cloud}', 415,
             body=b'{"name": "x"}', content_type=octets),
        case('ctype_json_latin1', 'PATCH', '/v1/images/{image}', 415,
             body=b'{"name": "x"}',
             content_type='application/json; charset=latin-1'),
        case('ctype_json_suffix', 'POST', '/v1/images/{image}/sync', 415,
             body=b'{}', content_type='application/jsonx'),
        case('ctype_upload_json', 'PUT', '/v1/images/{queued}/file', 415,
             body=b'{"data": 1}', content_type=JSON_TYPE),
        case('ctype_upload_form', 'PUT', '/v1/images/{queued}/file', 415,
             body=b'a=b', content_type='application/x-www-form-urlencoded'),
        case('ctype_upload_missing', 'PUT', '/v1/images/{queued}/file', 415,
             body=b'data', content_type=''),
        case('ctype_upload_text', 'PUT', '/v1/images/{queued}/file', 415,
             body=b'data', content_type='text/plain'),
        case('body_on_get', 'GET', '/v1/clouds/{cloud}', 400,
             body={'name': 'x'}),
        case('body_on_delete_image', 'DELETE', '/v1/images/{image}', 400,
             body={'purge': True}),
        case('body_on_delete_cloud', 'DELETE', '/v1/clouds/{cloud}', 400,
             body=b'x', content_type='text/plain'),
    ]


def credentials_header_cases():
    header = 'X-CIMinG-Credentials'
    path = '/v1/clouds/{cloud}/images'
    # deep(5000) is past Python's recursion limit and under 64 KiB.
    return [
        case('header_credentials_not_base64', 'GET', path, 400,
             headers={header: 'not base64!'}),
        case('header_credentials_not_json', 'GET', path, 400,
             headers={header: b64('not json')}),
        case('header_credentials_list', 'GET', path, 400,
             headers={header: b64([])}),
        case('header_credentials_deep', 'GET', path, 400,
             headers={header: b64(deep(5000))}),
        case('header_credentials_deep_33', 'GET', path, 400,
             headers={header: b64('{"{cloud}": %s}' % deep(32))}),
        case('header_credentials_nul', 'GET', path, 400,
             headers={header: b64({'{cloud}': {'k': 'a\x00b'}})}),
        case('header_credentials_surrogate', 'GET', path, 400,
             headers={header: b64({'{cloud}': {'k': 'a\ud800b'}})}),
        case('header_credentials_unknown_cloud', 'GET', path, 400,
             headers={header: b64({'nowhere': {'k': 'v'}})}),
        case('header_credentials_on_purge', 'DELETE',
             '/v1/images/{image}?purge=true', 400,
             headers={header: b64(deep(5000))}),
        case('header_credentials_on_upload', 'PUT',
             '/v1/images/{queued}/file', 400, body=b'data',
             content_type='application/octet-stream',
             headers={header: b64(deep(5000))}),
        case('header_bad_version', 'GET', '/v1/clouds', 400,
             headers={'OpenStack-API-Version': 'cloud-image-manager 1.x'}),
        case('header_unsupported_version', 'GET', '/v1/clouds', 406,
             headers={'OpenStack-API-Version':
                      'cloud-image-manager 99.0'}),
        case('header_version_huge_number', 'GET', '/v1/clouds', 400,
             headers={'OpenStack-API-Version':
                      'cloud-image-manager 1%s.0' % ('0' * 5000)}),
        case('header_version_long_text', 'GET', '/v1/jobs', 400,
             headers={'OpenStack-API-Version':
                      'cloud-image-manager ' + 'v' * 20000}),
        case('header_bad_content_md5', 'PUT', '/v1/images/{queued}/file',
             400, body=b'data', content_type='application/octet-stream',
             headers={'Content-MD5': 'x' * 5000}),
    ]


def http_cases():
    """Malformed HTTP, sent through a raw socket."""
    cloud = b'{"name": "n", "type": "local"}'
    return [
        case('http_truncated_json', 'POST', '/v1/clouds', 400,
             raw={'body': cloud[:10], 'length': len(cloud)}),
        case('http_truncated_patch', 'PATCH', '/v1/clouds/{cloud}', 400,
             raw={'body': b'{"name": "trunc', 'length': 100}),
        case('http_truncated_upload', 'PUT', '/v1/images/{queued}/file',
             400, content_type='application/octet-stream',
             raw={'body': b'x' * 1000, 'length': 100000}, upload=True),
        case('http_broken_chunk_size', 'POST', '/v1/clouds', 400,
             raw={'chunked': b'zz\r\n' + cloud + b'\r\n0\r\n\r\n'}),
        case('http_broken_chunk_framing', 'POST', '/v1/clouds', 400,
             raw={'chunked': b'5\r\n' + cloud + b'\r\n0\r\n\r\n'}),
        case('http_truncated_chunks', 'POST', '/v1/clouds', 400,
             raw={'chunked': b'100\r\n' + cloud}),
        case('http_broken_chunked_upload', 'PUT',
             '/v1/images/{queued}/file', 400,
             content_type='application/octet-stream',
             raw={'chunked': b'10\r\n' + b'x' * 16 + b'\r\nzz\r\n'},
             upload=True),
        case('http_truncated_chunked_upload', 'PUT',
             '/v1/images/{queued}/file', 400,
             content_type='application/octet-stream',
             raw={'chunked': b'1000\r\n' + b'x' * 100}, upload=True),
        case('http_upload_json_not_buffered', 'PUT',
             '/v1/images/{queued}/file', 415, content_type=JSON_TYPE,
             raw={'body': b'{' * 100, 'length': 128 * MiB}),
        case('http_json_too_large_not_read', 'POST', '/v1/clouds', 413,
             raw={'body': b'{', 'length': 64 * MiB}),
        case('http_content_length_not_number', 'POST', '/v1/clouds', 400,
             raw={'body': cloud, 'length': 'ten'}),
        case('http_huge_header', 'GET', '/v1/clouds', 431,
             raw={'headers': [('X-Padding', 'p' * MiB)]}),
        case('http_header_over_limit', 'GET', '/v1/clouds', 431,
             raw={'headers': [('X-Padding', 'p' * (70 * KiB))]}),
        case('http_many_headers', 'GET', '/v1/clouds', 431,
             raw={'headers': [('X-H%d' % i, 'v' * 100)
                              for i in range(1000)]}),
        case('http_huge_credentials_header', 'GET',
             '/v1/clouds/{cloud}/images', 431,
             raw={'headers': [('X-CIMinG-Credentials', 'A' * (100 * KiB))]}),
        case('http_nul_in_project_header', 'GET', '/v1/clouds', 400,
             raw={'headers': [('X-Project-Id', 'a\x00b')]}),
        case('http_escape_in_header', 'GET', '/v1/images', 400,
             raw={'headers': [('X-Roles', 'admin\x1b[0m')]}),
        case('http_huge_url', 'GET', '/v1/images?name=' + 'n' * (MiB),
             414, raw={}),
    ]


ALL_CASES = (wrong_method_cases() + override_cases() + missing_id_cases()
             + other_project_cases() + string_cases()
             + query_and_path_cases() + enum_cases() + type_cases()
             + malformed_json_cases() + oversize_cases()
             + content_type_cases() + credentials_header_cases()
             + http_cases())


# The world the cases run against, made once per deployment.
_WORLDS = {}


def _fill(value, world):
    """``value`` with ``{placeholders}`` of the world filled in."""
    if isinstance(value, str):
        for key, item in world.items():
            value = value.replace('{%s}' % key, item)
        return value
    if isinstance(value, bytes):
        return _fill(value.decode('latin-1'), world).encode('latin-1')
    if isinstance(value, dict):
        return {_fill(k, world): _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


def _raw_request(endpoint, method, path, headers, body=b'', length=None,
                 chunked=None, timeout=30):
    """Send bytes as they are; the (status, headers, body) answered."""
    host, port = endpoint.split('://', 1)[1].split(':')
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: %s' % host,
             'Connection: close']
    for key, value in headers:
        lines.append('%s: %s' % (key, value))
    if chunked is not None:
        lines.append('Transfer-Encoding: chunked')
        body = chunked
    elif length is not None:
        lines.append('Content-Length: %s' % length)
    data = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered and closed before reading it all
        received = b''
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    head, _, payload = received.partition(b'\r\n\r\n')
    head_lines = head.decode('latin-1').split('\r\n')
    status = int(head_lines[0].split(' ')[1]) if head_lines[0] else 0
    answer_headers = {}
    for line in head_lines[1:]:
        key, _, value = line.partition(':')
        answer_headers[key.strip().lower()] = value.strip()
    return status, answer_headers, payload


class HostileInputMixin:
    """The cases of ALL_CASES, one generated test method each."""

    # The longest error message a hostile case may get back.
    MAX_MESSAGE = 600

    def setUp(self):
        super().setUp()
        self.world = self._world()
        self.client_a = base.Client(self.deployment.endpoint,
                                    self.world['a_project'])
        self.client_b = base.Client(self.deployment.endpoint,
                                    self.world['b_project'])

    def _world(self):
        key = id(self.deployment)
        if key not in _WORLDS:
            _WORLDS[key] = self._make_world()
        return _WORLDS[key]

    def _make_world(self):
        world = {}
        for project in ('a', 'b'):
            client = base.Client(self.deployment.endpoint)
            cloud, _ = self.make_cloud(client=client)
            spare, _ = self.make_cloud(client=client)
            image = self.make_image([cloud['id']], client=client)
            job = client.upload(image['id'], os.urandom(4 * KiB)).json()
            self.wait_job(job['id'], client=client)
            queued = self.make_image([spare['id']], client=client)
            world.update({
                '%s_project' % project: client.project_id,
                '%s_cloud' % project: cloud['id'],
                '%s_cloud_name' % project: cloud['name'],
                '%s_image' % project: image['id'],
                '%s_queued' % project: queued['id'],
                '%s_job' % project: job['id'],
            })
        # Project A is the caller: its ids have short names.
        for key in ('cloud', 'cloud_name', 'image', 'queued', 'job'):
            world[key] = world['a_%s' % key]
        return world

    # Nothing changed

    def _snapshot(self):
        state = {}
        for name, client in (('a', self.client_a), ('b', self.client_b)):
            state[name] = {
                'clouds': client.get('/v1/clouds')['clouds'],
                'images': client.get('/v1/images')['images'],
                'jobs': client.get('/v1/jobs')['jobs'],
            }
        files = {}
        for root in (self.deployment.clouds_root,
                     self.deployment.staging_dir):
            for directory, _, names in os.walk(root):
                for name in names:
                    path = os.path.join(directory, name)
                    try:
                        stat = os.stat(path)
                    except FileNotFoundError:
                        continue
                    files[path] = (stat.st_size, stat.st_mtime_ns)
        state['files'] = files
        return state

    def _new_log_lines(self, offsets):
        lines = []
        for name, path in self.deployment.logs().items():
            try:
                with open(path, 'rb') as log:
                    log.seek(offsets.get(name, 0))
                    lines += log.read().decode('utf-8', 'replace').split(
                        '\n')
            except OSError:
                pass
        return lines

    def _log_positions(self):
        offsets = {}
        for name, path in self.deployment.logs().items():
            try:
                offsets[name] = os.path.getsize(path)
            except OSError:
                offsets[name] = 0
        return offsets

    # Sending

    def _send(self, case):
        path = _fill(case.path, self.world)
        headers = {k: _fill(v, self.world) if '{' in v else v
                   for k, v in case.headers.items()}
        # Base64 headers were made from the placeholders: fill inside.
        for key, value in case.headers.items():
            if key == 'X-CIMinG-Credentials':
                try:
                    decoded = base64.b64decode(value, validate=True)
                    headers[key] = base64.b64encode(
                        _fill(decoded, self.world)).decode()
                except ValueError:
                    pass
        body = case.body
        if isinstance(body, (dict, list, str)):
            body = json.dumps(_fill(body, self.world)).encode()
        elif isinstance(body, bytes):
            body = _fill(body, self.world)
        if case.raw is not None:
            return self._send_raw(case, path, headers)
        all_headers = self.client_a.headers(headers)
        if case.content_type is not None:
            all_headers['Content-Type'] = case.content_type
        # requests adds no Content-Type of its own for bytes.
        resp = self.client_a.session.request(
            case.method, self.deployment.endpoint + path, data=body,
            headers=all_headers, timeout=60)
        return resp.status_code, resp.headers, resp.content

    def _send_raw(self, case, path, headers):
        raw = _fill(case.raw, self.world)
        sent = [('X-Project-Id', self.world['a_project']),
                ('Accept', JSON_TYPE)]
        if case.content_type:
            sent.append(('Content-Type', case.content_type))
        elif raw.get('body') or raw.get('chunked'):
            sent.append(('Content-Type', JSON_TYPE))
        extra = list(headers.items()) + raw.get('headers', [])
        replaced = {k for k, _ in extra}
        sent = [(k, v) for k, v in sent if k not in replaced] + extra
        status, answer_headers, payload = _raw_request(
            self.deployment.endpoint, case.method, path, sent,
            body=raw.get('body', b''), length=raw.get('length'),
            chunked=raw.get('chunked'))
        return status, answer_headers, payload

    def _check_case(self, case):
        offsets = self._log_positions()
        before = self._snapshot()
        status, headers, payload = self._send(case)
        headers = {k.lower(): v for k, v in headers.items()}
        self.assertEqual(case.status, status, payload[:1000])
        if status < 400 or case.method == 'HEAD':
            self.assertEqual(JSON_TYPE, headers.get('content-type'))
        else:
            self.assertEqual(JSON_TYPE, headers.get('content-type'),
                             payload[:300])
            error = json.loads(payload)['error']
            self.assertEqual({'code', 'title', 'message'}, set(error))
            for key in ('code', 'title', 'message'):
                self.assertIsInstance(error[key], str)
                self.assertTrue(error[key])
            self.assertLessEqual(len(error['message']), self.MAX_MESSAGE,
                                 error['message'][:300])
            self.assertNotIn('Traceback', error['message'])
        if case.allow is not None:
            self.assertEqual(case.allow, headers.get('allow'))
        after = self._snapshot()
        if case.upload:
            # The upload started: the image went uploading and back.
            for snapshot in (before, after):
                for image in snapshot['a']['images']:
                    if image['id'] == self.world['queued']:
                        image.pop('updated_at')
        self.assertEqual(before, after)
        bad = [line for line in self._new_log_lines(offsets)
               if 'Traceback' in line or ' ERROR ' in line]
        self.assertEqual([], bad)


def _make_test(case):
    def test(self):
        self._check_case(case)
    test.__doc__ = '%s %s -> %s' % (
        case.method, case.path[:60], case.status)
    return test


def _add_cases(cls):
    names = set()
    for item in ALL_CASES:
        name = 'test_%s' % item.name
        assert name not in names, name
        names.add(name)
        setattr(cls, name, _make_test(item))
    return cls


@_add_cases
class TestHostileInputPostgreSQL(HostileInputMixin, base.FunctionalTestCase):
    backend = 'postgresql'


class AllInOne:
    """``ciming-all-in-one`` as the deployment of the hostile cases."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='ciming-hostile-aio-')
        self.clouds_root = os.path.join(self.dir, 'clouds')
        self.staging_dir = os.path.join(self.dir, 'staging')
        self.port = base.free_port()
        self.endpoint = 'http://127.0.0.1:%s' % self.port
        config = os.path.join(self.dir, 'ciming.conf')
        base.write_config(config, {
            'DEFAULT': {'debug': base.DEBUG},
            'all_in_one': {'data_dir': os.path.join(self.dir, 'data')},
            'api': {'host_ip': '127.0.0.1', 'port': self.port},
            'local_driver': {'root': self.clouds_root},
            'staging': {'dir': self.staging_dir},
        })
        os.makedirs(self.clouds_root)
        self.process = base.Process(
            'all-in-one', [base.find_command('ciming-all-in-one'),
                           '--config-file', config],
            os.path.join(self.dir, 'all-in-one.log'))

    def start(self):
        self.process.start()

        def up():
            if not self.process.alive():
                raise base.DeploymentFailed(base.tail(self.process.log_path))
            try:
                return base.requests.get(self.endpoint + '/healthcheck',
                                         timeout=2).status_code == 200
            except base.requests.RequestException:
                return False

        base.wait_for(up, base.START_TIMEOUT, interval=0.2,
                      what='ciming-all-in-one to answer')
        return self

    def stop(self):
        self.process.stop()
        if not base.KEEP:
            shutil.rmtree(self.dir, True)

    def logs(self):
        return {'all-in-one': self.process.log_path}


_ALL_IN_ONE = []


def _all_in_one():
    if not _ALL_IN_ONE:
        deployment = AllInOne()
        atexit.register(deployment.stop)
        _ALL_IN_ONE.append(deployment.start())
    if not _ALL_IN_ONE[0].process.alive():
        raise base.DeploymentFailed(base.tail(
            _ALL_IN_ONE[0].process.log_path))
    return _ALL_IN_ONE[0]


class _AllInOneTestCase(base.FunctionalTestCase):
    """FunctionalTestCase on the all-in-one instead of a Deployment."""

    def setUp(self):
        testtools.TestCase.setUp(self)
        self.deployment = _all_in_one()
        self._log_offsets = {}
        self.addOnException(self._attach_logs)
        self.client = base.Client(self.deployment.endpoint)
        self.project_id = self.client.project_id


@_add_cases
class TestHostileInputAllInOne(HostileInputMixin, _AllInOneTestCase):
    pass
