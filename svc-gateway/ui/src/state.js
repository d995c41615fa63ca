// Shared application state: who is signed in, the networks, the current one.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export const AppContext = createContext(null);
export const useApp = () => useContext(AppContext);

const NET_KEY = 'scanopy.network';
export const savedNetwork = () => localStorage.getItem(NET_KEY);
export const saveNetwork = (id) => localStorage.setItem(NET_KEY, id);
