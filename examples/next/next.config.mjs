/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and Node-only modules stay outside the server bundle.
  serverExternalPackages: ['better-sqlite3', 'ws', 'ioredis', 'ably', '@resvg/resvg-js', 'sanitize-html', '@marketing-team/server'],
};
export default nextConfig;
