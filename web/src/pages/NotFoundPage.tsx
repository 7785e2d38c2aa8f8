import { Link } from 'react-router';
import { usePageTitle } from '../lib/usePageTitle';

export default function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <section className="card">
      <h1>There is no page here</h1>
      <p>The address may be mistyped, or the page has moved.</p>
      <Link to="/functions">Go to your functions</Link>
    </section>
  );
}
