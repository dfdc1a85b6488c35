import { useState } from 'preact/hooks';
import type { Model } from '../app/model.js';
import { linkTo, navigate } from '../app/router.js';

/** Log in or register (`mode`); on success, back to the watchlist. */
export function AuthForm({ model, mode }: { model: Model; mode: 'login' | 'register' }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await model.login(email.trim(), password, mode === 'register');
      navigate('/');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="auth panel" onSubmit={submit} aria-labelledby="auth-h">
      <h1 id="auth-h">{mode === 'login' ? 'Log in' : 'Create an account'}</h1>
      <label>
        Email
        <input name="email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete={mode === 'login' ? 'current-password' : 'new-password'} required minLength={8} value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {mode === 'login' ? 'Log in' : 'Register'}
      </button>
      <p class="muted small">
        {mode === 'login' ? (
          <a href="/register" onClick={linkTo('/register')}>
            No account? Register
          </a>
        ) : (
          <a href="/login" onClick={linkTo('/login')}>
            Have an account? Log in
          </a>
        )}{' '}
        ·{' '}
        <a href="/" onClick={linkTo('/')}>
          Continue anonymously
        </a>
      </p>
    </form>
  );
}
