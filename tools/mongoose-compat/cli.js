#!/usr/bin/env node
'use strict';

// Speaks for the legacy mongoose app in compatibility tests: reads and writes
// the shop's collections through the legacy schemas (models.js) so the Rust
// side can check that documents cross over without loss. See README.md.
//
// Prints exactly one JSON document on stdout. Errors go to stderr, exit code 1.

const models = require('./models');

const { mongoose } = models;
const { EJSON } = mongoose.mongo.BSON;

const MODEL_NAMES = ['Product', 'User', 'Address', 'Order', 'Newsletter'];

const USAGE = `usage: MONGODB_URI=mongodb://host:port/db node cli.js <command> ...

  create    <Model> '<json>'                 Model.create(obj), prints toJSON()
  get       <Model> <id>                     {"doc": toJSON()|null, "errors": null|{path: message}}
  find      <Model> '<filter json>' [populate-spec]
                                             array of toJSON(), sorted by _id
  update    <Model> <id> '<json changes>'    findById, doc.set(changes), save; prints toJSON()
  roundtrip <Model> <id>                     {"before": EJSON, "after": EJSON, "errors": null|{...}}
  raw       <Model> <id>                     the stored document as canonical Extended JSON
  indexes   <Model>                          Model.createIndexes() (as the legacy app's autoIndex); prints the indexes

Models: ${MODEL_NAMES.join(', ')}.
JSON arguments are read as relaxed Extended JSON: plain JSON works, and
{"$oid": "..."} or {"$date": "..."} may be used where a BSON type matters.`;

/** A usage error: printed with the usage text. */
class UsageError extends Error {}

function getModel(name) {
  if (!MODEL_NAMES.includes(name)) {
    throw new UsageError(`unknown model ${JSON.stringify(name)}`);
  }
  return models[name];
}

function parseJsonArg(text, what) {
  if (text === undefined) throw new UsageError(`missing ${what}`);
  try {
    return EJSON.parse(text, { relaxed: true });
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${err.message}`);
  }
}

function requireArg(value, what) {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

/** Casts an id string the way the schema's `_id` path does (ObjectId or String). */
function castId(Model, id) {
  return Model.schema.path('_id').cast(id);
}

/** `{path: message}` from validateSync(), or null when the document is valid. */
function validationErrors(doc) {
  const err = doc.validateSync();
  if (!err) return null;
  if (!err.errors) return { '': err.message };
  const out = {};
  for (const [path, e] of Object.entries(err.errors)) out[path] = e.message;
  return out;
}

/**
 * The stored document exactly as BSON has it. promoteValues/promoteLongs off so
 * int32, int64 and double stay distinguishable in the canonical EJSON output.
 */
async function readRaw(Model, id) {
  return Model.collection.findOne(
    { _id: castId(Model, id) },
    { promoteValues: false, promoteLongs: false, promoteBuffers: false },
  );
}

/** Canonical Extended JSON as a plain JSON value (null stays null). */
function canonical(raw) {
  if (raw === null || raw === undefined) return null;
  return JSON.parse(EJSON.stringify(raw, { relaxed: false }));
}

function isEmptyPlainObject(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 0
  );
}

// ---------------------------------------------------------------- commands

async function cmdCreate([modelName, json]) {
  const Model = getModel(modelName);
  const doc = await Model.create(parseJsonArg(json, 'document JSON'));
  return doc.toJSON();
}

async function cmdGet([modelName, id]) {
  const Model = getModel(modelName);
  const doc = await Model.findById(requireArg(id, 'id'));
  if (!doc) return { doc: null, errors: null };
  return { doc: doc.toJSON(), errors: validationErrors(doc) };
}

async function cmdFind([modelName, filterJson, populate]) {
  const Model = getModel(modelName);
  const filter = filterJson === undefined ? {} : parseJsonArg(filterJson, 'filter JSON');
  let query = Model.find(filter).sort({ _id: 1 });
  if (populate) query = query.populate(populate);
  const docs = await query;
  return docs.map((d) => d.toJSON());
}

async function cmdUpdate([modelName, id, json]) {
  const Model = getModel(modelName);
  const changes = parseJsonArg(json, 'changes JSON');
  const doc = await Model.findById(requireArg(id, 'id'));
  if (!doc) throw new Error(`${modelName} ${id} not found`);
  doc.set(changes);
  await doc.save();
  return doc.toJSON();
}

/**
 * Loads the document with mongoose and saves it back with every schema path
 * marked modified, so mongoose rewrites each field with the BSON type it would
 * use itself. `before` == `after` means the stored types already match.
 *
 * Two mongoose artefacts that say nothing about the stored document are kept
 * out (see README.md):
 *  - `$set` of a whole array bumps `__v`; versioning is skipped for the
 *    marked paths (schema option `skipVersioning`, this process only).
 *  - `$set` of an empty object stores `{}`, although mongoose's insert drops
 *    it (`minimize`); such paths are left unmarked when the schema minimizes.
 */
async function cmdRoundtrip([modelName, id]) {
  const Model = getModel(modelName);
  requireArg(id, 'id');
  const rawBefore = await readRaw(Model, id);
  if (!rawBefore) throw new Error(`${modelName} ${id} not found`);
  const before = canonical(rawBefore);

  const doc = await Model.findById(id);
  if (!doc) throw new Error(`${modelName} ${id} not found`);
  const errors = validationErrors(doc);

  const paths = Object.keys(Model.schema.paths).filter((p) => p !== '_id' && p !== '__v');
  const minimize = Model.schema.options.minimize !== false;
  const skipVersioning = { ...(Model.schema.options.skipVersioning || {}) };
  for (const path of paths) {
    if (minimize && isEmptyPlainObject(doc.get(path))) continue;
    skipVersioning[path] = true;
    doc.markModified(path);
  }
  Model.schema.set('skipVersioning', skipVersioning);

  // validateSync() above already reported problems; still write the document
  // so `after` shows what mongoose makes of it.
  await doc.save({ timestamps: false, validateBeforeSave: errors === null });

  const after = canonical(await readRaw(Model, id));
  return { before, after, errors };
}

/**
 * Creates the model's schema indexes the way the legacy app does at start-up
 * (`Model.createIndexes()`, mongoose's autoIndex: e.g. `email_1` with
 * `unique: true, background: true`). Prints the indexes the collection then has.
 */
async function cmdIndexes([modelName]) {
  const Model = getModel(modelName);
  await Model.createCollection().catch(() => undefined);
  await Model.createIndexes();
  return Model.collection.indexes();
}

async function cmdRaw([modelName, id]) {
  const Model = getModel(modelName);
  return canonical(await readRaw(Model, requireArg(id, 'id')));
}

const COMMANDS = {
  create: cmdCreate,
  get: cmdGet,
  find: cmdFind,
  update: cmdUpdate,
  roundtrip: cmdRoundtrip,
  raw: cmdRaw,
  indexes: cmdIndexes,
};

// -------------------------------------------------------------------- main

function describeError(err) {
  let text = err instanceof UsageError ? err.message : `${err && err.name}: ${err && err.message}`;
  if (err && err.errors && typeof err.errors === 'object') {
    const details = {};
    for (const [path, e] of Object.entries(err.errors)) details[path] = e && e.message;
    text += `\n${JSON.stringify(details)}`;
  }
  return text;
}

async function main(argv) {
  const [command, ...args] = argv;
  if (command === '-h' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!command) throw new UsageError('missing command');
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}`);

  const uri = process.env.MONGODB_URI;
  if (!uri) throw new UsageError('MONGODB_URI is not set');

  // Never create indexes or collections: the database belongs to the test
  // (and the test server supports no text indexes).
  await mongoose.connect(uri, {
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: 15000,
  });
  try {
    const result = await run(args);
    process.stdout.write(`${JSON.stringify(result === undefined ? null : result)}\n`);
  } finally {
    await mongoose.disconnect();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err) => {
    process.stderr.write(`error: ${describeError(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
    try {
      await mongoose.disconnect();
    } catch (_) {
      // already failing; nothing more to report
    }
    process.exitCode = 1;
  },
);
