// What this software calls itself to peers (User-Agent, NodeInfo).
export const SOFTWARE_NAME = 'artdag-l2';
export const SOFTWARE_VERSION = '0.1.0';
