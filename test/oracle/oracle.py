# Answers JSON requests on stdin with python-opentimestamps (the reference), for the TypeScript oracle tests.
import json
import sys
import warnings

from opentimestamps.core.notary import (BitcoinBlockHeaderAttestation, PendingAttestation,
                                        TimeAttestation, UnknownAttestation)
from opentimestamps.core.op import (CryptOp, Op, OpAppend, OpHexlify, OpKECCAK256, OpPrepend, OpReverse,
                                    OpRIPEMD160, OpSHA1, OpSHA256)
from opentimestamps.core.serialize import (BytesDeserializationContext, BytesSerializationContext,
                                           DeserializationError)
from opentimestamps.core.timestamp import DetachedTimestampFile, Timestamp, make_merkle_tree

warnings.simplefilter('ignore')  # OpReverse warns that it may be removed one day

UNARY = {'sha256': OpSHA256, 'sha1': OpSHA1, 'ripemd160': OpRIPEMD160, 'keccak256': OpKECCAK256,
         'reverse': OpReverse, 'hexlify': OpHexlify}
BINARY = {'append': OpAppend, 'prepend': OpPrepend}


def op_from_spec(spec):
    if spec['kind'] in BINARY:
        return BINARY[spec['kind']](bytes.fromhex(spec['arg']))
    return UNARY[spec['kind']]()


def op_to_spec(op):
    spec = {'kind': op.TAG_NAME}
    if len(op):
        spec['arg'] = op[0].hex()
    return spec


def attestation_from_spec(spec):
    if spec['kind'] == 'pending':
        return PendingAttestation(spec['uri'])
    if spec['kind'] == 'bitcoin':
        return BitcoinBlockHeaderAttestation(spec['height'])
    # Round-trip through the parser so known-to-python tags (Litecoin, Ethereum) become their real classes.
    ctx = BytesSerializationContext()
    UnknownAttestation(bytes.fromhex(spec['tag']), bytes.fromhex(spec['payload'])).serialize(ctx)
    return TimeAttestation.deserialize(BytesDeserializationContext(ctx.getbytes()))


def describe_attestation(att):
    ctx = BytesSerializationContext()
    att.serialize(ctx)
    return ctx.getbytes().hex()


def fill(stamp, spec):
    """Builds the tree in the spec's insertion order, the way calling code would."""
    for att in spec.get('attestations', []):
        stamp.attestations.add(attestation_from_spec(att))
    for op_spec, child_spec in spec.get('ops', []):
        fill(stamp.ops.add(op_from_spec(op_spec)), child_spec)
    return stamp


def serialize(obj):
    ctx = BytesSerializationContext()
    obj.serialize(ctx)
    return ctx.getbytes().hex()


def attested(stamp):
    return sorted([msg.hex(), describe_attestation(att)] for msg, att in stamp.all_attestations())


def parse(hex_bytes, msg_hex):
    ctx = BytesDeserializationContext(bytes.fromhex(hex_bytes))
    try:
        if msg_hex is None:
            parsed = DetachedTimestampFile.deserialize(ctx)
            stamp = parsed.timestamp
        else:
            stamp = parsed = Timestamp.deserialize(ctx, bytes.fromhex(msg_hex))
            ctx.assert_eof()
    except Exception as exp:  # anything but a DeserializationError is reported so the test can flag it
        return {'ok': False, 'error': '%s: %s' % (exp.__class__.__name__, exp),
                'deserializationError': isinstance(exp, DeserializationError)}
    return {'ok': True, 'reserialized': serialize(parsed), 'attested': attested(stamp)}


def merkle(leaves_hex):
    leaves = [Timestamp(bytes.fromhex(leaf)) for leaf in leaves_hex]
    tip = make_merkle_tree(leaves)
    paths = []
    for leaf in leaves:
        ops, node = [], leaf
        while node.ops:
            (op, node), = node.ops.items()
            ops.append(op_to_spec(op))
        paths.append(ops)
    return {'root': tip.msg.hex(), 'paths': paths}


def apply(spec, msg_hex):
    try:
        return {'ok': True, 'result': op_from_spec(spec)(bytes.fromhex(msg_hex)).hex()}
    except ValueError as exp:  # MsgValueError and OpArgValueError
        return {'ok': False, 'error': '%s: %s' % (exp.__class__.__name__, exp)}


def handle(req):
    cmd = req['cmd']
    if cmd == 'parse':
        return [parse(item, req.get('msg')) for item in req['items']]
    if cmd == 'build':
        file_hash_op = CryptOp.SUBCLS_BY_TAG[bytes([req['fileHashTag']])]()
        stamp = fill(Timestamp(bytes.fromhex(req['digest'])), req['tree'])
        return serialize(DetachedTimestampFile(file_hash_op, stamp))
    if cmd == 'merkle':
        return merkle(req['leaves'])
    if cmd == 'describe':
        return [str(op_from_spec(spec)) for spec in req['ops']]
    if cmd == 'apply':
        return [apply(spec, msg) for spec, msg in req['items']]
    raise ValueError('unknown command %r' % cmd)


json.dump([handle(req) for req in json.load(sys.stdin)], sys.stdout)
