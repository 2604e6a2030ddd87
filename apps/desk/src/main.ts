/**
 * The agent desk's entry point: signs the staff member in with their JWT
 * (from `#token=…` in the address, kept in this tab's sessionStorage, or
 * pasted into the sign-in form), then starts the desk.
 */
import { Desk } from './desk';
import { h } from './dom';
import { staffOf } from './jwt';
import { saveToken, savedToken } from './sessionStore';

function tokenFromHash(): string | undefined {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (!token) return undefined;
  // Out of the address bar and the history: the token must not be shared with a copied link.
  history.replaceState(null, '', location.pathname + location.search);
  return token;
}

function signIn(root: HTMLElement, problem?: string): void {
  const input = h('input', { id: 'desk-token-input', testid: 'desk-token-input', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'desk-token-hint' });
  const alert = h('p', { role: 'alert', className: 'problem-text' }, problem ?? '');
  const form = h(
    'form',
    {
      className: 'sign-in panel',
      'aria-labelledby': 'sign-in-title',
      onSubmit: (e: Event) => {
        e.preventDefault();
        const token = input.value.trim();
        if (!staffOf(token)) {
          alert.textContent = 'This is not a staff token: it should be a JWT naming you (sub) and your tenant (tid).';
          input.focus();
          return;
        }
        start(root, token);
      },
    },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    alert,
    h('div', { className: 'field' }, h('label', { for: 'desk-token-input' }, 'Staff token (JWT)'), input, h('p', { id: 'desk-token-hint', className: 'hint' }, 'Paste the token your identity provider gave you.')),
    h('button', { type: 'submit', className: 'primary', testid: 'desk-sign-in' }, 'Sign in'),
  );
  root.replaceChildren(h('header', { className: 'top' }, h('h1', {}, 'Agent desk')), h('main', { id: 'main' }, form));
  input.focus();
}

function start(root: HTMLElement, token: string): void {
  const staff = staffOf(token);
  if (!staff) return signIn(root, 'The saved token could not be read: sign in again.');
  if (staff.expiresAt !== undefined && staff.expiresAt < Date.now()) {
    saveToken(null);
    return signIn(root, 'Your token has expired: sign in with a new one.');
  }
  saveToken(token);
  new Desk(root, staff, token, () => {
    saveToken(null);
    signIn(root);
  }).start();
}

function boot(): void {
  const root = document.getElementById('desk') ?? document.body;
  const token = tokenFromHash() ?? savedToken();
  if (token) start(root, token);
  else signIn(root);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
