// Fails early, with the versions and what to do, when this Node is older than a command needs.
//   node scripts/check-node.cjs start   package.json "engines": the published package's floor,
//                                       enough to build the wasm module and serve the page
//   node scripts/check-node.cjs dev     package.json "devEngines": what the development tools
//                                       (Vite, ESLint, ...) accept
//   node scripts/check-node.cjs --installed   (lint stage) every package in node_modules accepts
//                                       the whole "devEngines" range, so the floor stays true
// CommonJS with no dependencies and old syntax, so that a very old Node still reaches the message.
'use strict';
var fs = require('fs');
var path = require('path');

var root = path.join(__dirname, '..');
var pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function parse(version) {
  var parts = String(version).replace(/^v/, '').split('.');
  return [0, 1, 2].map(function (i) {
    return Number(parts[i] || 0);
  });
}

function compare(a, b) {
  for (var i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

// The subset of npm's range syntax that package.json uses here: "A || B", each "^x.y.z",
// ">=x.y.z" or a bare major "x".
function satisfies(version, range) {
  var v = parse(version);
  return range.split('||').some(function (alternative) {
    var m = alternative.trim().match(/^(\^|>=)?\s*(\d+)(\.\d+)?(\.\d+)?$/);
    if (!m) throw new Error('check-node: unsupported range syntax "' + alternative.trim() + '" in package.json');
    var floor = parse(m[2] + (m[3] || '') + (m[4] || ''));
    if (m[1] === '>=') return compare(v, floor) >= 0;
    return v[0] === floor[0] && compare(v, floor) >= 0;
  });
}

var needs = {
  start: {
    range: pkg.engines && pkg.engines.node,
    what: '`npm start` (building the wasm module, serving the page)',
    source: 'package.json "engines"',
  },
  dev: {
    range: pkg.devEngines && pkg.devEngines.runtime && pkg.devEngines.runtime.version,
    what: '`npm test`, `npm run bench` and the development tools (Vite, ESLint, Playwright)',
    source: 'package.json "devEngines"',
  },
};

function installedPackages() {
  var dir = path.join(root, 'node_modules');
  var out = [];
  fs.readdirSync(dir).forEach(function (name) {
    if (name.charAt(0) === '.') return;
    var names =
      name.charAt(0) === '@'
        ? fs.readdirSync(path.join(dir, name)).map(function (n) {
            return name + '/' + n;
          })
        : [name];
    names.forEach(function (n) {
      var file = path.join(dir, n, 'package.json');
      if (fs.existsSync(file)) out.push(JSON.parse(fs.readFileSync(file, 'utf8')));
    });
  });
  return out;
}

var mode = process.argv[2];
if (mode === '--installed') {
  var semver = require('semver');
  var range = needs.dev.range;
  var bad = installedPackages().filter(function (p) {
    var theirs = p.engines && p.engines.node;
    return typeof theirs === 'string' && semver.validRange(theirs) && !semver.subset(range, theirs);
  });
  bad.forEach(function (p) {
    console.error(
      'check-node: ' +
        p.name +
        '@' +
        p.version +
        ' needs Node ' +
        p.engines.node +
        ', but ' +
        needs.dev.source +
        ' allows ' +
        range +
        ': narrow "devEngines" to what every development tool accepts',
    );
  });
  if (bad.length) process.exit(1);
  console.log('check-node: every installed package accepts devEngines ' + range);
} else if (needs[mode]) {
  var need = needs[mode];
  if (!need.range) {
    console.error('check-node: ' + need.source + ' names no Node version');
    process.exit(1);
  }
  if (!satisfies(process.version, need.range)) {
    console.error(
      'simdnorm: ' +
        need.what +
        ' needs Node ' +
        need.range +
        ' (' +
        need.source +
        '); this is Node ' +
        process.version +
        ' (' +
        process.execPath +
        ').\n' +
        "Install a newer Node (https://nodejs.org/en/download, or NodeSource's Debian packages) and rerun.",
    );
    process.exit(1);
  }
} else {
  console.error('check-node: usage: node scripts/check-node.cjs start|dev|--installed');
  process.exit(1);
}
