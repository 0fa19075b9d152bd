// The pages of the UI by their browser path; {id} stands for one path segment. main.js routes these paths, and the
// server reads this list (one `name: '/path',` per line) to answer each of them with the page shell, so a new page
// is added here and nowhere else.
export const PAGES = {
  dashboard: '/',
  newSession: '/new',
  keys: '/keys',
  settings: '/settings',
  settingsSection: '/settings/{id}',
  webhooks: '/webhooks',
  environments: '/environments',
  newEnvironment: '/environments/new',
  environment: '/environments/{id}',
  session: '/sessions/{id}',
  sessionDiff: '/sessions/{id}/diff',
  sessionPreview: '/sessions/{id}/preview',
};

/** The regular expression that matches a page's path, capturing each {param}. */
export function pathPattern(path) {
  return new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '([\\w-]+)')}$`);
}
