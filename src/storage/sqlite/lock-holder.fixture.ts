// Test fixture: opens a SQLite file with plain better-sqlite3, takes an exclusive lock, prints
// "locked", and holds the lock until its stdin closes (the parent ends it).
import Database from 'better-sqlite3';

const path = process.argv[2];
if (!path) throw new Error('usage: lock-holder.fixture.ts <database file>');
const db = new Database(path);
db.pragma('locking_mode = EXCLUSIVE');
db.exec('CREATE TABLE IF NOT EXISTS holder (x INTEGER)');
db.exec('BEGIN EXCLUSIVE');
db.exec('INSERT INTO holder VALUES (1)');
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  db.exec('ROLLBACK');
  db.close();
});
