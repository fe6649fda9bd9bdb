// index.js — the front page: only the shared header.
import { header } from './common.js';
header('index.html');
